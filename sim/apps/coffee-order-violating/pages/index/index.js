const request = require('../../utils/request.js')
const privacy = require('../../utils/privacy.js')

Page({
  data: {
    menu: [],
    loading: true
  },

  onLoad() {
    if (privacy.agreed()) {
      this.loadMenu()
    } else {
      privacy.ask(() => this.loadMenu())
    }
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
