Component({
  data: { show: false },

  lifetimes: {
    attached() {
      wx.onNeedPrivacyAuthorization((resolve) => {
        this.resolvePrivacy = resolve
        this.setData({ show: true })
      })
      // 进入即请用户确认隐私保护指引
      wx.requirePrivacyAuthorize({})
    }
  },

  methods: {
    onAgree() {
      this.setData({ show: false })
      this.resolvePrivacy({ buttonId: 'agree-btn', event: 'agree' })
    },

    // 不同意：关闭弹窗，仍可浏览险种和参考价格
    onDisagree() {
      this.setData({ show: false })
      this.resolvePrivacy({ event: 'disagree' })
    }
  }
})
