// 微信运动数据为加密数据，交给服务端解密
function sync(done) {
  wx.getWeRunData({
    success: (res) => {
      wx.request({
        url: 'https://api.yuedong-fit.example/api/werun/sync',
        method: 'POST',
        data: { encryptedData: res.encryptedData, iv: res.iv },
        success: () => done && done(true),
        fail: () => done && done(false)
      })
    },
    fail: () => done && done(false)
  })
}

module.exports = { sync }
