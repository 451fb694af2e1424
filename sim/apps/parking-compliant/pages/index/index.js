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
    // 不同意：不登记设备，仍可查看停车场和空位
    this.setData({ decided: true })
  }
})
