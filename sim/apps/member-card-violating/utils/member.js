const BASE = 'https://api.maixiang-bakery.example'

function openCard(member, done) {
  wx.request({
    url: BASE + '/api/member/open',
    method: 'POST',
    data: member,
    success: (res) => done(res.data),
    fail: () => done(null)
  })
}

module.exports = { openCard }
