// 后端接口：全部走 HTTPS
const BASE = 'https://api.freshfruit.example'

function nearbyStores(lat, lng, done) {
  wx.request({
    url: BASE + '/api/stores',
    data: { lat: lat, lng: lng },
    success: (res) => done(res.data.stores || []),
    fail: () => done([])
  })
}

function allStores(done) {
  wx.request({
    url: BASE + '/api/stores',
    success: (res) => done(res.data.stores || []),
    fail: () => done([])
  })
}

module.exports = { nearbyStores, allStores }
