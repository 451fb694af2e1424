const request = require('../../utils/request.js')
const privacy = require('../../utils/privacy.js')

Page({
  data: {
    menu: [],
    loading: true
  },

  onLoad() {
    // 菜单是公开内容，不论是否同意都可以浏览
    this.loadMenu()
    if (!privacy.decided()) privacy.ask(() => {})
  },

  loadMenu() {
    request.get('/api/menu').then((data) => {
      this.setData({ menu: data.items || [], loading: false })
    })
  },

  onPick(e) {
    wx.navigateTo({ url: '/pages/detail/detail?id=' + e.currentTarget.dataset.id })
  }
})
