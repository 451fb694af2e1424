const api = require('./utils/api.js')

App({
  globalData: { location: null, device: null },

  onLaunch() {
    const info = wx.getSystemInfoSync()
    this.globalData.device = { brand: info.brand, model: info.model, system: info.system, platform: info.platform }
    // 启动即定位，便于首页展示附近门店
    wx.getLocation({
      type: 'gcj02',
      success: (res) => {
        this.globalData.location = { lat: res.latitude, lng: res.longitude }
        api.report({ event: 'launch', device: this.globalData.device, lat: res.latitude, lng: res.longitude })
      },
      fail: () => {
        api.report({ event: 'launch', device: this.globalData.device })
      }
    })
  }
})
