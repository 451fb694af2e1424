const member = require('../../utils/member.js')

Page({
  data: { name: '', phone: '', agreed: false, result: '' },

  onName(e) { this.setData({ name: e.detail.value }) },
  onPhone(e) { this.setData({ phone: e.detail.value }) },
  onToggleAgree() { this.setData({ agreed: !this.data.agreed }) },

  onSubmit() {
    if (!this.data.agreed) {
      wx.showToast({ title: '请先阅读并同意协议', icon: 'none' })
      return
    }
    member.openCard({ name: this.data.name, phone: this.data.phone }, (res) => {
      this.setData({ result: res ? '开卡成功，20 元券已放入卡包' : '开卡失败，请稍后重试' })
    })
  }
})
