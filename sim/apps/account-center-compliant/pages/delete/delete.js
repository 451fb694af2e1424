Page({
  onConfirm() { wx.showToast({ title: '注销申请已提交' }) }
})
