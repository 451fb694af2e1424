const member = require('../../utils/member.js')

// 说明身份证号的具体用途，并单独勾选同意后才提交；不以积分等奖励诱导
Page({
  data: { idCard: '', agreed: false, result: '', askPrivacy: true },

  onLoad() {
    this.setData({ askPrivacy: !wx.getStorageSync('lx_privacy') })
  },

  onDecide(e) {
    wx.setStorageSync('lx_privacy', e.detail.agree ? 'agree' : 'refuse')
    this.setData({ askPrivacy: false })
  },

  onIdCard(e) { this.setData({ idCard: e.detail.value }) },
  onToggleAgree() { this.setData({ agreed: !this.data.agreed }) },

  onSubmit() {
    if (!this.data.agreed) {
      wx.showToast({ title: '请先勾选同意提供身份证号', icon: 'none' })
      return
    }
    member.verify(this.data.idCard, (res) => {
      this.setData({ result: res ? '认证成功' : '认证失败，请稍后重试' })
    })
  }
})
