// 开锁走 HTTPS 接口，由服务端下发指令给智能锁
function unlock(order, done) {
  wx.request({
    url: 'https://api.qibei-bike.example/api/unlock',
    method: 'POST',
    data: order,
    success: () => done(true),
    fail: () => done(false)
  })
}

module.exports = { unlock }
