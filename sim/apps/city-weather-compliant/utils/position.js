// 天气只需要城市级位置：模糊定位，并只保留一位小数
function current(done) {
  wx.getFuzzyLocation({
    type: 'wgs84',
    success: (res) => done({ lat: Number(res.latitude.toFixed(1)), lng: Number(res.longitude.toFixed(1)) }),
    fail: () => done(null)
  })
}

module.exports = { current }
