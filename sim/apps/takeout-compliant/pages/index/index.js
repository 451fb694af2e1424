const api = require('../../utils/api.js')
const partner = require('../../utils/partner.js')

Page({
  data: { shops: [] },

  onLoad() {
    api.shops((shops) => this.setData({ shops }))
  },

  // 只有用户点了红包横幅才打开合作方小程序
  onCoupon() {
    partner.openCoupons()
  }
})
