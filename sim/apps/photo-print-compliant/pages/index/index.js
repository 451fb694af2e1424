const { authorize } = require('../../utils/auth.js')

Page({
  data: { ready: false, tip: '6 寸照片 0.5 元/张，次日可取' },

  // 拍照只需要相机权限；保存到相册、选择门店时再分别申请
  async onStart() {
    const camera = await authorize('scope.camera')
    this.setData({ ready: camera, tip: camera ? '请拍摄要冲印的照片' : '未获得相机权限，你也可以从相册选择' })
  }
})
