const api = require('../../utils/api.js')

Page({
  data: { jobs: [] },

  // 职位是公开信息，不登录也能浏览；投递时再登录
  onLoad() {
    api.jobs((jobs) => this.setData({ jobs }))
  },

  onJob(e) {
    wx.navigateTo({ url: '/pages/job/job?id=' + e.currentTarget.dataset.id })
  }
})
