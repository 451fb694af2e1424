// 菜谱详情只对关注了公众号的用户开放：弹窗只有“去关注”，没有关闭或跳过
Page({
  open() {
    wx.showModal({
      title: '提示',
      content: '关注“家常菜谱”公众号后即可查看完整菜谱',
      showCancel: false,
      confirmText: '去关注'
    })
  }
})
