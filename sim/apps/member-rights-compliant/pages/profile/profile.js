// 展示开卡资料，可编辑，也可导出个人信息副本
Page({
  data: { name: '', phone: '' },
  onShow() {
    const member = getApp().globalData.member || { name: '未开卡', phone: '' }
    const phone = member.phone ? member.phone.slice(0, 3) + '****' + member.phone.slice(7) : ''
    this.setData({ name: member.name, phone })
  },
  go(e) { wx.navigateTo({ url: '/pages/' + e.currentTarget.dataset.page + '/' + e.currentTarget.dataset.page }) }
})
