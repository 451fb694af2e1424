const shop = require('../../utils/shop.js')

// 先展示隐私提示；营销弹窗在其后出现，并提供“关闭”按钮
Page({
  data: { phone: '', tip: '', promo: false, askPrivacy: true },

  onAgree() {
    wx.setStorageSync('yx_privacy', 'agree')
    this.setData({ askPrivacy: false, promo: true })
  },
  onRefuse() {
    wx.setStorageSync('yx_privacy', 'refuse')
    this.setData({ askPrivacy: false, promo: true })
  },

  onPhone(e) { this.setData({ phone: e.detail.value }) },
  onGo() { this.setData({ promo: false }) },
  onClose() { this.setData({ promo: false }) },

  onRemind() {
    shop.remind(this.data.phone, 'g-1024', (res) => {
      this.setData({ tip: res ? '到货后将短信提醒你' : '设置失败，请稍后重试' })
    })
  }
})
