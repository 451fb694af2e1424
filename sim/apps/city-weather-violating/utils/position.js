// 定位：取高精度坐标
function current(done) {
  wx.getLocation({
    type: 'wgs84',
    isHighAccuracy: true,
    success: (res) => done({ lat: res.latitude, lng: res.longitude }),
    fail: () => done(null)
  })
}

module.exports = { current }
