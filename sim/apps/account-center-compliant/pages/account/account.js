Page({
  data: { phone: getApp().globalData.phone },
  onDelete() { wx.navigateTo({ url: '/pages/delete/delete' }) }
})
