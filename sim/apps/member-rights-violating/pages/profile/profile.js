// 只展示开卡资料：没有编辑入口，也没有复制或导出
Page({
  data: { name: '', phone: '' },
  onShow() {
    const member = getApp().globalData.member || { name: '未开卡', phone: '' }
    const phone = member.phone ? member.phone.slice(0, 3) + '****' + member.phone.slice(7) : ''
    this.setData({ name: member.name, phone })
  }
})
