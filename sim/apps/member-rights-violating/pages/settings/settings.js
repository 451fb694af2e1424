Page({
  onWithdraw() {
    wx.showModal({ title: '撤回同意', content: '撤回后我们将停止处理你的个人信息，会员卡将停止使用。' })
  },
  onDelete() {
    wx.showModal({ title: '注销会员账号', content: '注销后会员资料和积分将被删除且无法恢复。' })
  }
})
