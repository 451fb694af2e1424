const BASE = 'https://api.youxuan-shop.example'

function remind(phone, goodsId, done) {
  wx.request({
    url: BASE + '/api/goods/remind',
    method: 'POST',
    data: { phone, goodsId },
    success: (res) => done(res.data),
    fail: () => done(null)
  })
}

module.exports = { remind }
