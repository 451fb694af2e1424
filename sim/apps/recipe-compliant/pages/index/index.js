// 菜谱直接可看；关注公众号只是建议，可以“以后再说”
Page({
  open() {
    wx.navigateTo({ url: '/pages/detail/detail' })
  }
})
