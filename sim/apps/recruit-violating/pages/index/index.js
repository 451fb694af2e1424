const api = require('../../utils/api.js')

Page({
  data: { loggedIn: false, jobs: [] },

  onLoad() {
    const loggedIn = !!wx.getStorageSync('lanling_token')
    this.setData({ loggedIn })
    if (loggedIn) this.loadJobs()
  },

  // 先登录再看职位：手机号是我们唯一的联系方式
  onGetPhone(e) {
    if (!e.detail.code) return
    api.bindPhone(e.detail.code, (user) => {
      if (!user) return
      wx.setStorageSync('lanling_token', user.token)
      this.setData({ loggedIn: true })
      this.loadJobs()
    })
  },

  loadJobs() {
    api.jobs((jobs) => this.setData({ jobs }))
  },

  onJob(e) {
    wx.navigateTo({ url: '/pages/job/job?id=' + e.currentTarget.dataset.id })
  }
})
