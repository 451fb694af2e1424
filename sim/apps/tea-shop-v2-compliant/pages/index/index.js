const shop = require('../../utils/shop.js')

// 2.0 版新增手机号领券：老用户打开新版先看到隐私政策更新提示，同意后才会收集手机号
Page({
  data: { stores: [], phone: '', status: '', askUpdate: false, agreedV2: false },

  onLoad() {
    const agreedV2 = wx.getStorageSync('qy_privacy_v2') === 'agree'
    this.setData({ agreedV2, askUpdate: !agreedV2 })
  },

  onDecide(e) {
    wx.setStorageSync('qy_privacy_v2', e.detail.agree ? 'agree' : 'refuse')
    this.setData({ askUpdate: false, agreedV2: e.detail.agree })
  },

  onNearby() {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => shop.nearby(res.latitude, res.longitude, (stores) => this.setData({ stores })),
      fail: () => this.setData({ status: '未获得定位' })
    })
  },

  onPhone(e) { this.setData({ phone: e.detail.value }) },

  onClaim() {
    if (!this.data.agreedV2) {
      this.setData({ askUpdate: true })
      return
    }
    shop.claimCoupon(this.data.phone, (ok) => this.setData({ status: ok ? '领取成功' : '领取失败' }))
  }
})
