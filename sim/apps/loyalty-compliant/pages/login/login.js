const member = require('../../utils/member.js')

Page({
  data: { phone: '', agreed: false, result: '' },

  onPhone(e) { this.setData({ phone: e.detail.value }) },
  onToggleAgree() { this.setData({ agreed: !this.data.agreed }) },

  onLogin() {
    if (!this.data.agreed) {
      wx.showToast({ title: '请先同意隐私政策', icon: 'none' })
      return
    }
    member.login(this.data.phone, (found) => {
      if (!found) {
        this.setData({ result: '登录失败，请稍后重试' })
        return
      }
      getApp().globalData.member = found
      wx.redirectTo({ url: '/pages/profile/profile' })
    })
  }
})
