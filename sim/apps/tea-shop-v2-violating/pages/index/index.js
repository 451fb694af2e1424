const shop = require('../../utils/shop.js')

// 2.0 版新增了凭手机号领券，但老用户打开新版时没有任何更新提示，也没有重新征得同意
Page({
  data: { stores: [], phone: '', status: '' },

  onNearby() {
    wx.getLocation({
      type: 'gcj02',
      success: (res) => shop.nearby(res.latitude, res.longitude, (stores) => this.setData({ stores })),
      fail: () => this.setData({ status: '未获得定位' })
    })
  },

  onPhone(e) { this.setData({ phone: e.detail.value }) },

  onClaim() {
    shop.claimCoupon(this.data.phone, (ok) => this.setData({ status: ok ? '领取成功' : '领取失败' }))
  }
})
