Page({
  data: { member: null },
  onLoad() {
    this.setData({ member: getApp().globalData.member })
  }
})
