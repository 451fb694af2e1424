const enroll = require('../../utils/enroll.js')

// 学员是 6–12 岁的孩子，却没有确认填写人是监护人、也没有征得监护人同意就提交孩子的身份证号
Page({
  data: { name: '', idCard: '', agreed: false, result: '', askPrivacy: true },

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

  onSubmit() {
    if (!this.data.agreed) {
      wx.showToast({ title: '请先勾选同意提供身份证号', icon: 'none' })
      return
    }
    enroll.submit({ name: this.data.name, idCard: this.data.idCard }, (res) => {
      this.setData({ result: res ? '报名成功，报名号 ' + res.enrollNo : '报名失败，请稍后重试' })
    })
  }
})
