const api = require('../../utils/api.js')

Page({
  data: {
    agreed: false,
    decided: false,
    stores: [],
    tip: '点击下方按钮，查看离你最近的鲜果坊'
  },

  onLoad() {
    const choice = wx.getStorageSync('privacy_choice')
    this.setData({ decided: !!choice, agreed: choice === 'agree' })
  },

  onAgree() {
    wx.setStorageSync('privacy_choice', 'agree')
    this.setData({ agreed: true, decided: true })
  },

  onRefuse() {
    // 拒绝后仍可浏览全部门店，只是不提供“附近”排序
    wx.setStorageSync('privacy_choice', 'refuse')
    this.setData({ agreed: false, decided: true, tip: '你可以浏览全部门店' })
  },

  // 只在用户点击“附近门店”时申请定位
  onNearby() {
    if (!this.data.agreed) {
      api.allStores((stores) => this.setData({ stores: stores }))
      return
    }
    wx.getLocation({
      type: 'gcj02',
      success: (res) => {
        api.nearbyStores(res.latitude, res.longitude, (stores) => this.setData({ stores: stores, tip: '' }))
      },
      fail: () => {
        if (this.data.askedOnce) {
          wx.showModal({
            title: '定位未开启',
            content: '你已拒绝鲜果坊获取位置信息，可在设置中开启后查看附近门店',
            cancelText: '暂不',
            confirmText: '去设置',
            success: (r) => { if (r.confirm) wx.openSetting({}) }
          })
        } else {
          wx.showToast({ title: '已为你展示全部门店', icon: 'none' })
        }
        this.setData({ askedOnce: true })
        api.allStores((stores) => this.setData({ stores: stores }))
      }
    })
  }
})
