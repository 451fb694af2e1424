// 更正资料：只改内存中的副本，返回时生效（提交给服务端的流程此处从略）
Page({
  data: { name: '', phone: '' },
  onLoad() {
    const member = getApp().globalData.member || { name: '', phone: '' }
    this.setData({ name: member.name, phone: member.phone })
  },
  onName(e) { this.setData({ name: e.detail.value }) },
  onPhone(e) { this.setData({ phone: e.detail.value }) },
  onUnload() {
    if (getApp().globalData.member) getApp().globalData.member = { name: this.data.name, phone: this.data.phone }
  }
})
