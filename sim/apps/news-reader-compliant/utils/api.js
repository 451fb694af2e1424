const BASE = 'https://api.kuaixun-news.example'

function headlines(done) {
  wx.request({
    url: BASE + '/api/headlines',
    success: (res) => done(res.data.list || []),
    fail: () => done([])
  })
}

module.exports = { headlines }
