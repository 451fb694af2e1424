const BASE = 'https://api.chengshi-news.example'

function headlines(done) {
  wx.request({ url: BASE + '/api/news/headlines', success: (res) => done(res.data.list || []), fail: () => done([]) })
}

// 只上送到区县一级（两位小数）的坐标
function local(lat, lng, done) {
  wx.request({
    url: BASE + '/api/news/local',
    data: { lat: lat.toFixed(2), lng: lng.toFixed(2) },
    success: (res) => done(res.data.list || []),
    fail: () => done([])
  })
}

module.exports = { headlines, local }
