const api = require('../../utils/api.js')
const partner = require('../../utils/partner.js')

Page({
  data: { shops: [] },

  onLoad() {
    api.shops((shops) => this.setData({ shops }))
    // 进首页先带用户去领红包，提升合作方转化
    partner.openCoupons()
  },

  onCoupon() {
    partner.openCoupons()
  }
})
