Page({
  data: { personalised: wx.getStorageSync('personalised') !== false },
  onPersonalised(e) {
    wx.setStorageSync('personalised', e.detail.value)
    this.setData({ personalised: e.detail.value })
  },
  onWithdraw() {
    wx.showModal({ title: '撤回同意', content: '撤回后我们将停止处理你的个人信息，你将退出登录。' })
  }
})
