Page({
  data: { personalised: wx.getStorageSync('personalised') !== false },
  onPersonalised(e) {
    wx.setStorageSync('personalised', e.detail.value)
    this.setData({ personalised: e.detail.value })
  }
})
