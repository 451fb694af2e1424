// 基础库 2.32.3 起的隐私授权：接管 onNeedPrivacyAuthorization，用自己的弹窗征得同意
Component({
  data: { show: false },

  lifetimes: {
    attached() {
      wx.onNeedPrivacyAuthorization((resolve) => {
        this.resolvePrivacy = resolve
        this.setData({ show: true })
      })
    }
  },

  methods: {
    onOpenContract() {
      wx.openPrivacyContract({})
    },

    // 同意按钮是 open-type="agreePrivacyAuthorization"，点击即同步给微信
    onAgree() {
      this.setData({ show: false })
      if (this.resolvePrivacy) this.resolvePrivacy({ buttonId: 'agree-btn', event: 'agree' })
      this.resolvePrivacy = null
    },

    onDisagree() {
      this.setData({ show: false })
      if (this.resolvePrivacy) this.resolvePrivacy({ event: 'disagree' })
      this.resolvePrivacy = null
    }
  }
})
