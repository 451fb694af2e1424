const { authorize } = require('../../utils/auth.js')

Page({
  data: { ready: false, tip: '6 寸照片 0.5 元/张，次日可取' },

  // 一次把冲印要用到的权限都申请好，后面流程就顺畅了
  async onStart() {
    const camera = await authorize('scope.camera')
    const album = await authorize('scope.writePhotosAlbum')
    const location = await authorize('scope.userLocation')
    this.setData({ ready: camera && album && location, tip: camera ? '请拍摄要冲印的照片' : '未获得相机权限' })
  }
})
