Page({
  data: { personalised: getApp().globalData.personalised },
  onPersonalised(e) {
    getApp().globalData.personalised = e.detail.value
    this.setData({ personalised: e.detail.value })
  },
  onWithdraw() {
    wx.showModal({ title: '撤回同意', content: '撤回后我们将停止处理你的个人信息，你将退出登录。' })
  }
})
