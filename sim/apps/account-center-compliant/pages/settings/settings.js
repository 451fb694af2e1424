Page({
  go(e) {
    const page = e.currentTarget.dataset.page
    wx.navigateTo({ url: '/pages/' + page + '/' + page })
  },
  onLogout() { wx.reLaunch({ url: '/pages/index/index' }) }
})
