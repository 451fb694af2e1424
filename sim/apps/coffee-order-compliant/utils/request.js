const BASE = 'https://api.ruixue-coffee.example'

function get(path, data) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: BASE + path,
      data: data || {},
      success: (res) => resolve(res.data),
      fail: reject
    })
  })
}

module.exports = { get }
