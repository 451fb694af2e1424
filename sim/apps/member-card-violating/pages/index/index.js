const member = require('../../utils/member.js')

// 开卡时还收集邮箱（发电子会员卡和营销邮件），隐私保护指引里只声明了姓名和手机号

Page({
  data: { name: '', phone: '', email: '', agreed: false, result: '' },

  onName(e) { this.setData({ name: e.detail.value }) },
  onPhone(e) { this.setData({ phone: e.detail.value }) },
  onEmail(e) { this.setData({ email: e.detail.value }) },
  onToggleAgree() { this.setData({ agreed: !this.data.agreed }) },

  onSubmit() {
    if (!this.data.agreed) {
      wx.showToast({ title: '请先阅读并同意协议', icon: 'none' })
      return
    }
    member.openCard({ name: this.data.name, phone: this.data.phone, email: this.data.email }, (res) => {
      this.setData({ result: res ? '开卡成功，20 元券已放入卡包' : '开卡失败，请稍后重试' })
    })
  }
})
