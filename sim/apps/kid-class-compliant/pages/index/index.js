const enroll = require('../../utils/enroll.js')

// 孩子的信息只在监护人勾选确认并同意《儿童个人信息保护规则》后提交（个人信息保护法第三十一条）
Page({
  data: { name: '', idCard: '', agreed: false, guardian: false, result: '', askPrivacy: true },

  onLoad() {
    this.setData({ askPrivacy: !wx.getStorageSync('xm_privacy') })
  },

  onDecide(e) {
    wx.setStorageSync('xm_privacy', e.detail.agree ? 'agree' : 'refuse')
    this.setData({ askPrivacy: false })
  },

  onName(e) { this.setData({ name: e.detail.value }) },
  onIdCard(e) { this.setData({ idCard: e.detail.value }) },
  onToggleAgree() { this.setData({ agreed: !this.data.agreed }) },
  onToggleGuardian() { this.setData({ guardian: !this.data.guardian }) },

  onSubmit() {
    if (!this.data.agreed || !this.data.guardian) {
      wx.showToast({ title: '请先由监护人勾选同意', icon: 'none' })
      return
    }
    enroll.submit({ name: this.data.name, idCard: this.data.idCard }, (res) => {
      this.setData({ result: res ? '报名成功，报名号 ' + res.enrollNo : '报名失败，请稍后重试' })
    })
  }
})
