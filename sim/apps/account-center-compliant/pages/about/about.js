Page({
  onClearCache() {
    wx.showModal({ title: '清除缓存', content: '确定清除本地缓存的图片吗？' })
  }
})
