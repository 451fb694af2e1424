const device = require('../../utils/device.js')

Page({
  data: {
    decided: false,
    lots: [
      { id: 1, name: '中山公园地下停车场', free: 42, price: '10 元/小时' },
      { id: 2, name: '长宁来福士 P2', free: 8, price: '15 元/小时' }
    ]
  },

  onLoad() {
    this.setData({ decided: !!wx.getStorageSync('yt_privacy') })
  },

  onAgree() {
    wx.setStorageSync('yt_privacy', 'agree')
    this.setData({ decided: true })
    device.register()
  },

  onRefuse() {
    wx.setStorageSync('yt_privacy', 'refuse')
    this.setData({ decided: true })
    // 不同意也先登记设备，免得闸机联动失败
    device.register()
  }
})
