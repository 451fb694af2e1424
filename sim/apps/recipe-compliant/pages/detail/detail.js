Page({
  onReady() {
    wx.showModal({
      title: '每周新菜谱',
      content: '关注“家常菜谱”公众号，每周收到新菜谱推送',
      cancelText: '以后再说',
      confirmText: '去关注'
    })
  }
})
