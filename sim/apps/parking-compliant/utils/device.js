// 设备登记：用于风控和车场闸机联动
function register() {
  const sys = wx.getSystemInfoSync()
  wx.getNetworkType({
    complete: (net) => {
      wx.request({
        url: 'https://api.yiting-parking.example/api/device/register',
        method: 'POST',
        data: { brand: sys.brand, model: sys.model, system: sys.system, network: net.networkType || 'unknown' }
      })
    }
  })
}

module.exports = { register }
