const member = require('../../utils/member.js')

// 先征得同意，再开卡；资料只在同意后提交
Page({
  data: { name: '', phone: '', tip: '', cardText: '尚未开卡', askPrivacy: true, agreed: false },

  onAgree() { this.setData({ askPrivacy: false, agreed: true }) },
  onRefuse() { this.setData({ askPrivacy: false, agreed: false }) },
  onName(e) { this.setData({ name: e.detail.value }) },
  onPhone(e) { this.setData({ phone: e.detail.value }) },

  onRegister() {
    if (!this.data.agreed) {
      this.setData({ tip: '开卡前请先同意隐私政策' })
      return
    }
    const info = { name: this.data.name, phone: this.data.phone }
    member.register(info, (res) => {
      if (!res) { this.setData({ tip: '开卡失败，请稍后重试' }); return }
      getApp().globalData.member = info
      this.setData({ cardText: res.cardNo, tip: '开卡成功' })
    })
  }
})
