const member = require('../../utils/member.js')

// 用积分诱导用户提交身份证号，页面上没有说明用途，也没有单独的同意选项
Page({
  data: { idCard: '', result: '', askPrivacy: true },

  onLoad() {
    this.setData({ askPrivacy: !wx.getStorageSync('lx_privacy') })
  },

  onDecide(e) {
    wx.setStorageSync('lx_privacy', e.detail.agree ? 'agree' : 'refuse')
    this.setData({ askPrivacy: false })
  },

  onIdCard(e) { this.setData({ idCard: e.detail.value }) },

  onSubmit() {
    member.verify(this.data.idCard, (res) => {
      this.setData({ result: res ? '认证成功，积分已到账' : '认证失败，请稍后重试' })
    })
  }
})
