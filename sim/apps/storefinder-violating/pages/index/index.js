const api = require('../../utils/api.js')
const app = getApp()

Page({
  data: {
    agreed: false,
    stores: [],
    tip: '点击下方按钮，查看离你最近的鲜果坊'
  },

  onLoad() {
    this.setData({ agreed: !!wx.getStorageSync('privacy_agreed') })
  },

  onShow() {
    if (this.data.agreed) this.askLocationAgain()
  },

  onAgree() {
    wx.setStorageSync('privacy_agreed', true)
    this.setData({ agreed: true })
    this.askLocationAgain()
  },

  // 用户拒绝定位后，每次进入都提示开启
  askLocationAgain() {
    wx.getSetting({
      success: (res) => {
        if (res.authSetting['scope.userLocation'] === false) {
          wx.showModal({
            title: '开启定位',
            content: '为了给你推荐附近门店，请允许鲜果坊获取你的位置信息',
            confirmText: '去开启',
            success: (r) => { if (r.confirm) wx.openSetting({}) }
          })
        }
      }
    })
  },

  onNearby() {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => {
        api.nearbyStores(res.latitude, res.longitude, (stores) => this.setData({ stores: stores, tip: '' }))
      },
      fail: () => this.askLocationAgain()
    })
  }
})
