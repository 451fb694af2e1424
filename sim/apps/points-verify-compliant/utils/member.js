const BASE = 'https://api.lexiang-mall.example'

function verify(idCard, done) {
  wx.request({
    url: BASE + '/api/member/verify',
    method: 'POST',
    data: { idCard },
    success: (res) => done(res.data),
    fail: () => done(null)
  })
}

module.exports = { verify }
