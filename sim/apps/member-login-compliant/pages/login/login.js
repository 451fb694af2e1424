const auth = require('../../utils/auth.js')

Page({
  data: { agreed: false },

  onAgreeChange(e) {
    this.setData({ agreed: e.detail.value.length > 0 })
  },

  onToggleAgree() {
    this.setData({ agreed: !this.data.agreed })
  },

  onLogin() {
    if (!this.data.agreed) {
      wx.showToast({ title: '请先阅读并勾选同意协议', icon: 'none' })
      return
    }
    auth.login().then((member) => {
      getApp().globalData.member = member
      wx.redirectTo({ url: '/pages/home/home' })
    }, () => wx.showToast({ title: '登录失败', icon: 'none' }))
  }
})
