const BASE = 'https://api.qibei-bike.example'

function nearby(lat, lng, done) {
  wx.request({
    url: BASE + '/api/bikes/nearby',
    data: { lat, lng },
    success: (res) => done(res.data.bikes || []),
    fail: () => done([])
  })
}

module.exports = { nearby }
