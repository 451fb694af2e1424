const BASE = 'https://api.qingye-tea.example'

function nearby(lat, lng, done) {
  wx.request({
    url: BASE + '/api/stores/nearby',
    data: { lat, lng },
    success: (res) => done(res.data.stores || []),
    fail: () => done([])
  })
}

// v2 新功能：凭手机号领取新人券
function claimCoupon(phone, done) {
  wx.request({
    url: BASE + '/api/coupon/claim',
    method: 'POST',
    data: { phone },
    success: () => done(true),
    fail: () => done(false)
  })
}

module.exports = { nearby, claimCoupon }
