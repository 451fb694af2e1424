const api = require('../../utils/api.js')
const app = getApp()

Page({
  data: { running: false, points: 0, status: '' },

  onStart() {
    this.follow(() => this.setData({ running: true, status: '正在记录' }))
  },

  // 只在前台定位：离开小程序就停止接收和上传位置，回来后继续记录
  onHide() {
    if (this.data.running) this.unfollow()
  },

  onShow() {
    if (this.data.running) this.follow(() => this.setData({ status: '正在记录' }))
  },

  follow(started) {
    this.unfollow() // one listener at a time
    this.listener = (res) => this.onPosition(res)
    wx.startLocationUpdate({
      success: () => {
        wx.onLocationChange(this.listener)
        started()
      },
      fail: (err) => this.setData({ status: '无法定位：' + err.errMsg })
    })
  },

  unfollow() {
    if (!this.listener) return
    wx.offLocationChange(this.listener)
    wx.stopLocationUpdate()
    this.listener = null
  },

  onPosition(res) {
    this.setData({ points: this.data.points + 1 })
    api.sendPoint(app.globalData.runId, res.latitude, res.longitude)
  },

  onStop() {
    this.unfollow()
    this.setData({ running: false, status: '跑步已结束' })
  }
})
